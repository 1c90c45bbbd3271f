FROM bkpython
WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt
ADD . .
CMD ["python", "app.py"]

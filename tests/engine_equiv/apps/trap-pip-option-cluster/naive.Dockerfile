FROM bkpython
WORKDIR /app
RUN pip install -qr requirements.txt
COPY . .
CMD ["python", "app.py"]

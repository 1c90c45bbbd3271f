FROM bkpython
WORKDIR /app
RUN python -m pip install --upgrade pip
COPY . .
CMD ["python", "app.py"]

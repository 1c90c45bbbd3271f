FROM bkpython
WORKDIR /code
COPY app/requirements.txt app/base.txt app/
RUN pip install -r app/requirements.txt
COPY app/ app/
COPY extra/ app/
CMD ["python", "app/main.py"]

FROM bkpython
WORKDIR /code
COPY app/requirements.txt app/
RUN pip install -r app/requirements.txt && cp app/seed.py /code/seed.py
COPY app/ app/
CMD ["python", "app/main.py"]

FROM bkpython
WORKDIR /src/svc
COPY svc/requirements.txt ./
RUN pip install -r requirements.txt
WORKDIR /src
COPY . .
WORKDIR /src/svc
CMD ["python", "app.py"]

# The split a fixer that maps the manifest against the COPY's directory, not the install's, makes.
FROM bkpython
WORKDIR /src
COPY requirements.txt ./
WORKDIR /src/svc
RUN pip install -r requirements.txt
WORKDIR /src
COPY . .
WORKDIR /src/svc
CMD ["python", "app.py"]

# The split a fixer that moves the WORKDIR as it is makes: /app is created by uid 1000.
FROM bkpython
ENV STUB_SP=/tmp/site-packages HOME=/tmp/home
USER 1000
WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY . /app
CMD ["python", "app.py"]

# The split a fixer that copies only the requirement files makes: pip runs without pip.conf.
FROM dockopt-fuzz/base:v1
WORKDIR /app
ENV PIP_CONFIG_FILE=/app/pip.conf
COPY requirements.txt base.txt ./
RUN pip install -r requirements.txt
COPY . .
CMD ["python", "app.py"]

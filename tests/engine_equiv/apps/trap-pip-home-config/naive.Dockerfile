# The split a fixer that copies only requirements.txt makes: pip runs without ~/.config/pip/pip.conf.
FROM dockopt-fuzz/base:v1
USER app
WORKDIR /home/app
COPY requirements.txt ./
RUN pip install -r requirements.txt
COPY . .
CMD ["python", "app.py"]

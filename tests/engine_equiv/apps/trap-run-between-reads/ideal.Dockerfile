FROM bkpython
WORKDIR /app
COPY conf/ conf/
RUN cp conf/pip.conf /etc/pip.conf
COPY requirements.txt ./
RUN pip install -r requirements.txt
COPY . .
CMD ["python", "app.py"]

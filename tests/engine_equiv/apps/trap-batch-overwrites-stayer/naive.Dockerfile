FROM bkpython
WORKDIR /app
RUN mkdir -p /opt/a && echo one > /opt/a/x
RUN echo override > /opt/a/y
RUN echo done > /opt/c
COPY . .
RUN cat settings.txt > /opt/a/y
CMD ["python", "app.py"]

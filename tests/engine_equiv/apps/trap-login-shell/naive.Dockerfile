# The move a fixer that ignores shell startup files makes: the login shell finds no
# /etc/profile yet, and /greeting.txt loses the greeting.
FROM bkpython
SHELL ["/bin/sh", "-l", "-c"]
RUN echo "greeting=$GREETING" > /greeting.txt
COPY profile /etc/profile
COPY . /app
RUN pip install flask
CMD ["python", "/app/app.py"]

# The move a fixer that knows only pip's configuration files makes: the install runs without the
# index's credentials.
FROM bkpython
RUN pip install flask
COPY netrc /root/.netrc
COPY app.py /app/app.py
CMD ["python", "/app/app.py"]

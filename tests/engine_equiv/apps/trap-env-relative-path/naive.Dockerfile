# The move a fixer that reads only absolute or `./` values makes: /app/wheels is not there yet.
FROM bkpython
WORKDIR /app
ENV PIP_FIND_LINKS=wheels
RUN pip install flask
COPY . .
CMD ["python", "app.py"]

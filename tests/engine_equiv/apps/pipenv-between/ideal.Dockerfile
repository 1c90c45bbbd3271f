FROM bkpython
WORKDIR /app
ENV PIPENV_NOSPIN=1
RUN pip install pipenv
COPY Pipfile Pipfile.lock ./
RUN pipenv install --system --deploy
COPY . .
CMD ["python", "app.py"]

FROM bkpython
WORKDIR /app
RUN pip install poetry
COPY pyproject.toml poetry.lock ./
RUN poetry config virtualenvs.create false && poetry install --only main --no-interaction --no-root
COPY . .
RUN poetry config virtualenvs.create false && poetry install --only main --no-interaction
CMD ["python", "app/main.py"]

FROM python:3.11 AS builder
WORKDIR /app
RUN python -m venv /opt/venv
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .

FROM python:3.11-slim
WORKDIR /app
COPY --from=builder /opt/venv /opt/venv
COPY . .
CMD ["python", "main.py"]

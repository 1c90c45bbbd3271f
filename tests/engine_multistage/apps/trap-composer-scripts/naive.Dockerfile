FROM php:8.3-cli AS builder
RUN apt-get update && apt-get install -y git unzip && rm -rf /var/lib/apt/lists/*
COPY --from=composer:2 /usr/bin/composer /usr/bin/composer
WORKDIR /app
COPY . .
RUN composer install --no-dev

FROM php:8.3-cli
WORKDIR /app
COPY . .
COPY --from=builder /app/vendor /app/vendor
CMD ["php", "index.php"]

FROM ruby:3.3 AS builder
WORKDIR /app
COPY Gemfile Gemfile.lock ./
RUN bundle config set --local path vendor/bundle && bundle install

FROM ruby:3.3-slim
WORKDIR /app
COPY --from=builder /app/vendor/bundle /app/vendor/bundle
COPY . .
CMD ["bundle", "exec", "ruby", "app.rb"]

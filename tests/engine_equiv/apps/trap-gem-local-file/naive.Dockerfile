FROM bkruby
WORKDIR /app
RUN gem install bundler
COPY . .
CMD ["ruby", "app.rb"]

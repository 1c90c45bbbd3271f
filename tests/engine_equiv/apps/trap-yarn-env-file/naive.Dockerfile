# The split a fixer that knows only package.json and yarn.lock writes: the install runs without
# .env.yarn's settings.
FROM bknode
WORKDIR /app
COPY package.json yarn.lock ./
RUN yarn install --immutable
COPY . .
CMD ["node", "index.js"]

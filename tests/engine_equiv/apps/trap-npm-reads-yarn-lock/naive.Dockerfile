# The split a fixer makes from npm's own lock files only: npm then installs without yarn.lock.
FROM dockopt-fuzz/base:v1
WORKDIR /app
COPY package.json /app/
RUN npm install
COPY . /app
CMD ["node", "index.js"]

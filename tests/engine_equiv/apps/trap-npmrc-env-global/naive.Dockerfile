# The move a fixer without the effects model makes: npm then runs without its user config.
FROM dockopt-fuzz/base:v1
WORKDIR /app
ENV NPM_CONFIG_USERCONFIG=/app/.npmrc
RUN npm install -g typescript
COPY . /app
CMD ["node", "index.js"]

# The split a fixer that reads only `./`-prefixed config values makes: yarn finds .yarnrc.yml's
# yarnPath missing and fails.
FROM bknode
WORKDIR /app
COPY package.json yarn.lock .yarnrc.yml ./
RUN yarn install --frozen-lockfile
COPY . .
RUN yarn build
CMD ["node", "dist/bundle.js"]

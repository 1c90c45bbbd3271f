FROM bknode
WORKDIR /usr/src/app
COPY package.json package-lock.json ./
RUN npm ci && npm cache clean --force
COPY . .
RUN npm ci --offline --omit=dev && npm cache clean --force
CMD ["node", "index.js"]

FROM bknode
WORKDIR /usr/src/app
COPY web/package.json web/package-lock.json ./web/
RUN cd web && npm ci --omit=dev && cp -r . /snapshot
COPY . .
CMD ["node", "web/index.js"]

const tsup = require('tsup');
// emit out/api.js
const fastify = require('fastify');
console.log("acme api: ready on 4000");

const vite = require('vite');
// emit build/index.js
const hono = require('hono');
console.log("web: rendered");

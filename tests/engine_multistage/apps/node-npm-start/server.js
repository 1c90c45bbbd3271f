const koa = require('koa');
console.log("notes: up");

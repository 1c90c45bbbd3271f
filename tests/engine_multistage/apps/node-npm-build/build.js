const ts = require('typescript');
const esbuild = require('esbuild');
// emit dist/server.js
const express = require('express');
console.log("shop: listening on 3000");

const express = require('express');
console.log("shop: listening on 3000");

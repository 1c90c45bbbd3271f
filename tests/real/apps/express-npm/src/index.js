const express = require("express");

const app = express();
app.get("/", (_req, res) => res.send("express-npm ok\n"));
app.listen(18005, "0.0.0.0", () => console.log("listening on 18005"));

const Koa = require("koa");

const app = new Koa();
app.use((ctx) => {
  ctx.body = "yarn-koa ok\n";
});
app.listen(18007, "0.0.0.0");

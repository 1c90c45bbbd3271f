const Koa = require("koa");
const { greet } = require("@acme/shared");

const app = new Koa();
app.use((ctx) => {
  ctx.body = { message: greet(ctx.query.name || "world") };
});
app.listen(4000);

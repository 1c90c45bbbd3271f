const fastify = require("fastify")();

fastify.get("/", async () => "pnpm-fastify ok\n");
fastify.listen({ port: 18008, host: "0.0.0.0" });

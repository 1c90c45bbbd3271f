import Fastify from "fastify";

const app = Fastify({ logger: true });
const target = process.env.RELAY_TARGET ?? "http://localhost:9000/hook";

app.post("/hook", async (req, reply) => {
  const res = await fetch(target, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(req.body),
  });
  return reply.code(res.status).send({ relayed: res.ok });
});

app.listen({ port: 3000, host: "0.0.0.0" });

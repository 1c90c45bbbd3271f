const express = require("express");
const morgan = require("morgan");
const { Pool } = require("pg");

const app = express();
const pool = new Pool({ connectionString: process.env.DATABASE_URL });

app.use(morgan("tiny"));
app.use(express.json());

app.get("/notes", async (_req, res) => {
  const { rows } = await pool.query("SELECT id, body FROM notes ORDER BY id");
  res.json(rows);
});

app.post("/notes", async (req, res) => {
  const { rows } = await pool.query("INSERT INTO notes(body) VALUES ($1) RETURNING id", [req.body.body]);
  res.status(201).json(rows[0]);
});

app.listen(process.env.PORT || 3000, () => console.log("notes-api listening"));

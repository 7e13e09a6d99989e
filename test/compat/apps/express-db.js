// Express 5 on a real PostgreSQL (pg, a pool from a connection string) and a real Redis (ioredis):
// the usual CRM read path, cache first.
const express = require('express');
const { Pool } = require('pg');
const Redis = require('ioredis');

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
const redis = new Redis(process.env.REDIS_URL);
const app = express();
app.use(express.json());

app.get('/leads/:id', async (req, res) => {
  const cached = await redis.get(`lead:${req.params.id}`);
  if (cached) return res.json(JSON.parse(cached));
  const { rows } = await pool.query('SELECT id, name FROM leads WHERE id = $1', [req.params.id]);
  if (!rows[0]) return res.status(404).json({ error: 'not found' });
  await redis.set(`lead:${req.params.id}`, JSON.stringify(rows[0]), 'EX', 60);
  res.json(rows[0]);
});

app.post('/leads', async (req, res) => {
  const { rows } = await pool.query('INSERT INTO leads (name) VALUES ($1) RETURNING id', [req.body.name]);
  res.status(201).json(rows[0]);
});

pool
  .query('CREATE TABLE IF NOT EXISTS leads (id serial PRIMARY KEY, name text NOT NULL)')
  .then(() => pool.query("INSERT INTO leads (name) SELECT 'Acme' WHERE NOT EXISTS (SELECT 1 FROM leads)"))
  .then(() => app.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('READY')));

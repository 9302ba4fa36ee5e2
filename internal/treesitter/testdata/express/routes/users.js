const express = require('express');
const passport = require('passport');
const db = require('../db');

const router = express.Router();

router.get('/', async (req, res) => {
  const { rows } = await db.query('SELECT id, name FROM users');
  res.json(rows);
});

router.get('/search', (req, res) => {
  const q = req.query.q;
  const sql = "SELECT * FROM users WHERE name LIKE '%" + q + "%'";
  db.query(sql).then((r) => res.json(r.rows));
});

router.get('/:id', async (req, res) => {
  const { id } = req.params;
  const { rows } = await db.query('SELECT * FROM users WHERE id = ' + id);
  res.json(rows[0]);
});

router.post('/', passport.authenticate('jwt', { session: false }), async (req, res) => {
  await db.query('INSERT INTO users(name, email) VALUES ($1, $2)', [req.body.name, req.body.email]);
  res.status(201).end();
});

module.exports = router;

// The marina's booking front end.
const express = require('express');
const db = require('./db');

const app = express();

app.get('/api/reports', async (req, res) => {
  const rows = await db.query("SELECT * FROM reports WHERE owner = '" + req.query.owner + "'");
  res.json(rows);
});

module.exports = app;

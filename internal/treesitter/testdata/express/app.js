const express = require('express');
const { exec } = require('child_process');
const usersRouter = require('./routes/users');
const { adminRouter } = require('./routes/admin');
const { requireAuth } = require('./middleware/auth');
const db = require('./db');

const app = express();
app.use(express.json());

app.get('/health', (req, res) => res.json({ ok: true }));

app.get('/ping', requireAuth, (req, res) => {
  const host = req.query.host;
  exec('ping -c 1 ' + host, (err, stdout) => res.send(stdout));
});

app.use('/api/users', usersRouter);
app.use('/api/admin', adminRouter);

app.route('/reports/:id')
  .get(getReport)
  .delete(requireAuth, deleteReport);

function getReport(req, res) {
  const sql = `SELECT * FROM reports WHERE id = ${req.params.id}`;
  db.query(sql, (err, rows) => res.json(rows));
}

function deleteReport(req, res) {
  db.query('DELETE FROM reports WHERE id = ?', [req.params.id], () => res.status(204).end());
}

module.exports = app;

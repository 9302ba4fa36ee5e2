import { Router, Request, Response } from 'express';
import { spawn, execFile } from 'child_process';
import knex from '../db';
import { verifyToken } from '../middleware/auth';

export const adminRouter = Router();

adminRouter.get('/status', (req: Request, res: Response) => {
  res.json({ up: true });
});

adminRouter.use(verifyToken);

adminRouter.post('/backup', (req: Request, res: Response) => {
  const target = req.body.target as string;
  const child = spawn(`tar czf /backups/${target}.tgz /data`, { shell: true });
  child.on('close', (code: number) => res.json({ code }));
});

adminRouter.get('/logs/:name', (req: Request, res: Response) => {
  execFile('tail', ['-n', '100', `/var/log/app/${req.params.name}`], (err, out) => res.send(out));
});

adminRouter.delete('/users/:id', async (req: Request, res: Response) => {
  await knex.raw(`DELETE FROM users WHERE id = ${req.params.id}`);
  res.status(204).end();
});

// Koa 3 with @koa/router.
const Koa = require('koa');
const Router = require('@koa/router');

const app = new Koa();
const router = new Router();
router.get('/leads/:id', (ctx) => {
  ctx.body = { id: ctx.params.id };
});
router.post('/leads', (ctx) => {
  ctx.status = 201;
  ctx.body = { id: 'L-new' };
});
app.use(router.routes()).use(router.allowedMethods());
app.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('READY'));

// Fastify 5 as its docs start it.
const fastify = require('fastify')();

fastify.get('/leads/:id', async (req) => ({ id: req.params.id }));
fastify.post('/leads', async (req, reply) => reply.code(201).send({ id: 'L-new' }));

fastify.listen({ port: Number(process.env.PORT), host: '127.0.0.1' }).then(() => console.log('READY'));

// The NestJS starter app (a module, a controller), written without a TypeScript build: the
// decorators are applied as the compiler would apply them.
require('reflect-metadata');
const { Controller, Get, Module, Param, Post, HttpCode } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');

class LeadsController {
  get(id) {
    return { id };
  }
  create() {
    return { id: 'L-new' };
  }
}
const method = (name) => Object.getOwnPropertyDescriptor(LeadsController.prototype, name);
Controller('leads')(LeadsController);
Get(':id')(LeadsController.prototype, 'get', method('get'));
Param('id')(LeadsController.prototype, 'get', 0);
Post()(LeadsController.prototype, 'create', method('create'));
HttpCode(201)(LeadsController.prototype, 'create', method('create'));

class AppModule {}
Module({ controllers: [LeadsController] })(AppModule);

NestFactory.create(AppModule, { logger: false })
  .then((app) => app.listen(Number(process.env.PORT), '127.0.0.1'))
  .then(() => console.log('READY'));

// PM2 cluster mode, two instances, each preloaded with the register as the kit's README says.
module.exports = {
  apps: [{ name: 'crm-api', script: `${__dirname}/pm2-app.js`, instances: 2, exec_mode: 'cluster', node_args: '--require @crm/otel-register' }],
};

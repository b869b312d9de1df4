// Validates an OpenAPI document against the OpenAPI 3.0 schema and resolves
// every $ref (@apidevtools/swagger-parser): node validate.js openapi.json
const SwaggerParser = require("@apidevtools/swagger-parser");

SwaggerParser.validate(process.argv[2])
  .then((api) => {
    const operations = Object.values(api.paths).reduce(
      (n, item) => n + Object.keys(item).length, 0);
    console.log(`valid OpenAPI ${api.openapi}: ${operations} operations`);
  })
  .catch((error) => {
    console.error(`invalid: ${error.message}`);
    process.exit(1);
  });

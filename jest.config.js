/** Jest projects: unit (pure, fast), infra (CDK construct tests), integ (real servers on loopback). */

// The tests run on Node 20 on purpose (README "Node.js"); the AWS SDK's notice that its 2027 releases need Node 22
// is documented there, so it is not repeated by every test worker. Workers inherit this environment.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const transform = { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' } }] };
const common = { testEnvironment: 'node', transform, moduleFileExtensions: ['ts', 'js', 'json'] };

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
    { ...common, displayName: 'integ', testMatch: ['<rootDir>/test/integ/**/*.test.ts'] },
  ],
};

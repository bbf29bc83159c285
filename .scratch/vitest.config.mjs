export default { test: { include: [".scratch/**/*.test.ts"], testTimeout: 60000 } };

// Key Vault for the SendGrid key. RBAC-authorised; the app's identity may only read secrets.
// Written directly rather than through a registry module so the secure parameter goes straight to
// the secret resource and nowhere else.
param name string
param location string
param tags object
@secure()
param sendgridApiKey string
param readerPrincipalId string

var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

resource sendgridSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(sendgridApiKey)) {
  parent: vault
  name: 'sendgrid-api-key'
  properties: { value: sendgridApiKey, contentType: 'text/plain' }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, readerPrincipalId, keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: readerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output name string = vault.name

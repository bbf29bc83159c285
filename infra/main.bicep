// AKS Integration Auditor on Azure Functions Flex Consumption, for `azd up`.
// One resource group: a user-assigned identity (the only principal that reads the fleet and storage),
// a keyless storage account, Application Insights on Log Analytics, a Key Vault for the SendGrid key,
// and the Function App. Reader on the audited subscriptions is granted here; Reader on a management
// group is granted by infra/app/reader-management-group.bicep (see docs/deploy.md), because a
// subscription-scoped deployment cannot deploy to a management group.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; seeds resource names.')
param environmentName string

@minLength(1)
@description('Region of every resource; must offer Flex Consumption.')
@metadata({ azd: { type: 'location' } })
param location string

@description('Comma-separated subscription GUIDs to audit (AUDIT_SUBSCRIPTIONS); the identity gets Reader on each. Empty with no management groups = the whole tenant the identity can read.')
param auditSubscriptions string = ''

@description('Comma-separated management group ids to audit (AUDIT_MANAGEMENT_GROUPS). Grant Reader there with infra/app/reader-management-group.bicep.')
param auditManagementGroups string = ''

@secure()
@description('SendGrid API key, stored in Key Vault. Required: without it the app refuses to start in Azure (mail would go to a temporary folder and be lost).')
param sendgridApiKey string = ''

@description('Sender address (MAIL_FROM); empty keeps the app default.')
param mailFrom string = ''

@description('Recipients of the fleet digest and alerts (MAIL_TO).')
param mailTo string = ''

@description('Per-subscription routing (MAIL_TO_BY_SUBSCRIPTION).')
param mailToBySubscription string = ''

@description('Cluster tag naming a team\'s recipients (MAIL_ROUTING_TAG).')
param mailRoutingTag string = ''

@description('Domains tag- and subscription-routed mail may go to (MAIL_ALLOWED_DOMAINS); set it whenever mailRoutingTag is set.')
param mailAllowedDomains string = ''

@allowed(['auto', 'true'])
@description('HTTP_REQUIRE_ROLES (the values config accepts). `true` also deploys App Service Authentication (infra/app/auth.bicep: Entra ID, 401 without a token, app roles Audit.Read and Audit.Run), so every call needs a role; `auto` lets a function key alone call every route.')
param httpRequireRoles string = 'auto'

@description('NCRONTAB schedule of the sweep, UTC (Flex Consumption has no WEBSITE_TIME_ZONE).')
param sweepSchedule string = '0 0 6 * * *'

@description('NCRONTAB schedule of the weekly digest, UTC.')
param digestSchedule string = '0 0 7 * * Mon'

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var functionAppName = 'func-aksaudit-${resourceToken}'
var deploymentContainerName = 'app-package-${take(resourceToken, 16)}'
var auditSubscriptionList = filter(map(split(auditSubscriptions, ','), s => trim(s)), s => !empty(s))
var auditManagementGroupList = filter(map(split(auditManagementGroups, ','), s => trim(s)), s => !empty(s))
// Whole-tenant default: start with Reader on this subscription; widen with the management-group template.
var readerSubscriptions = empty(auditSubscriptionList) && empty(auditManagementGroupList) ? [subscription().subscriptionId] : auditSubscriptionList

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'br/public:avm/res/managed-identity/user-assigned-identity:0.4.1' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-aksaudit-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'br/public:avm/res/storage/storage-account:0.8.3' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'staksaudit${take(resourceToken, 13)}'
    location: location
    tags: tags
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false // identity only: no keys exist to leak
    minimumTlsVersion: 'TLS1_2'
    dnsEndpointType: 'Standard'
    // As narrow as Flex Consumption without a virtual network allows: the app reaches storage from
    // the region's shared outbound addresses, which no IP rule can list (and IP rules do not apply
    // within a region), and Functions apps are not among the trusted services `bypass` admits. So
    // the network stays open and access is closed instead: no shared keys, no anonymous blobs, TLS
    // 1.2, Entra data roles for one identity. docs/deploy.md ("What stays open") has the VNet route.
    publicNetworkAccess: 'Enabled'
    networkAcls: { defaultAction: 'Allow', bypass: 'None' }
    blobServices: { containers: [{ name: deploymentContainerName }] }
  }
}

module logAnalytics 'br/public:avm/res/operational-insights/workspace:0.11.1' = {
  name: 'logs'
  scope: rg
  params: {
    name: 'log-aksaudit-${resourceToken}'
    location: location
    tags: tags
    dataRetention: 30
  }
}

module appInsights 'br/public:avm/res/insights/component:0.6.0' = {
  name: 'appinsights'
  scope: rg
  params: {
    name: 'appi-aksaudit-${resourceToken}'
    location: location
    tags: tags
    workspaceResourceId: logAnalytics.outputs.resourceId
    disableLocalAuth: true // telemetry is sent with the managed identity (Monitoring Metrics Publisher)
  }
}

module plan 'br/public:avm/res/web/serverfarm:0.1.1' = {
  name: 'plan'
  scope: rg
  params: {
    name: 'plan-aksaudit-${resourceToken}'
    location: location
    tags: tags
    sku: { name: 'FC1', tier: 'FlexConsumption' }
    reserved: true
  }
}

module keyVault 'app/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: 'kv-aksaudit-${take(resourceToken, 11)}'
    location: location
    tags: tags
    sendgridApiKey: sendgridApiKey
    readerPrincipalId: identity.outputs.principalId
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    appInsightsName: appInsights.outputs.name
    principalId: identity.outputs.principalId
  }
}

module readers 'app/reader-subscription.bicep' = [
  for sub in readerSubscriptions: {
    name: 'reader-${uniqueString(sub)}'
    scope: subscription(sub)
    params: { principalId: identity.outputs.principalId }
  }
]

module api 'app/function.bicep' = {
  name: 'api'
  scope: rg
  dependsOn: [rbac, keyVault]
  params: {
    name: functionAppName
    location: location
    tags: union(tags, { 'azd-service-name': 'api' })
    planId: plan.outputs.resourceId
    identityId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    appInsightsConnectionString: appInsights.outputs.connectionString
    keyVaultName: keyVault.outputs.name
    hasSendgridKey: !empty(sendgridApiKey)
    auditSubscriptions: join(auditSubscriptionList, ',')
    auditManagementGroups: join(auditManagementGroupList, ',')
    mailFrom: mailFrom
    mailTo: mailTo
    mailToBySubscription: mailToBySubscription
    mailRoutingTag: mailRoutingTag
    mailAllowedDomains: mailAllowedDomains
    httpRequireRoles: httpRequireRoles
    sweepSchedule: sweepSchedule
    digestSchedule: digestSchedule
  }
}

// Only with authentication in front is x-ms-client-principal the platform's: the app refuses
// HTTP_REQUIRE_ROLES=true until the platform reports it (WEBSITE_AUTH_ENABLED).
module auth 'app/auth.bicep' = if (httpRequireRoles == 'true') {
  name: 'auth'
  scope: rg
  params: {
    siteName: api.outputs.name
    appUniqueName: 'aksaudit-${resourceToken}'
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_NAME string = api.outputs.name
output AZURE_FUNCTION_URL string = api.outputs.uri
output AUDITOR_PRINCIPAL_ID string = identity.outputs.principalId
output AUDITOR_CLIENT_ID string = identity.outputs.clientId
output KEY_VAULT_NAME string = keyVault.outputs.name
output STORAGE_ACCOUNT_NAME string = storage.outputs.name

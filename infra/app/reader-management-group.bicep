// Reader on a management group, inherited by every subscription below it. Deployed on its own
// (a subscription-scoped azd deployment cannot target a management group):
//   az deployment mg create --management-group-id <mg> --location <region> \
//     --template-file infra/app/reader-management-group.bicep --parameters principalId=<AUDITOR_PRINCIPAL_ID>
targetScope = 'managementGroup'

@description('Object id of the auditor identity (azd output AUDITOR_PRINCIPAL_ID).')
param principalId string

var reader = 'acdd72a7-3385-48ef-bd42-f606fba81ae7'

resource readerAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(managementGroup().id, principalId, reader)
  properties: {
    roleDefinitionId: tenantResourceId('Microsoft.Authorization/roleDefinitions', reader)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

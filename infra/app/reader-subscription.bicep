// Reader on one audited subscription: enough for Resource Graph and the Container Service and
// Kubernetes-configuration reads; nothing that can change a cluster.
targetScope = 'subscription'

param principalId string

var reader = 'acdd72a7-3385-48ef-bd42-f606fba81ae7'

resource readerAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, principalId, reader)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', reader)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

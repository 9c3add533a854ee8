/** Public surface of the configuration package. */
export { parseProperties, readPropertiesFile, parseOverride, applyOverrides, PropertiesSyntaxError } from './properties.js';
export { ConfigError, ConfigSource, ConfigTypeId, javaDoubleToString, type DescribedConfig, type ConfigType } from './config-def.js';
export { ALL_API_VERSIONS, LATEST_API_VERSION, parseApiVersion, type ApiVersion } from './api-version.js';
export {
  SECURITY_PROTOCOLS,
  endPointToString,
  parseListeners,
  parseSecurityProtocolMap,
  parseZookeeperConnect,
  type EndPoint,
  type SecurityProtocol,
  type ZookeeperConnect,
} from './listeners.js';
export { BROKER_CONFIG_KEYS, brokerConfigSynonyms, type BrokerConfigName } from './broker-config-keys.js';
export {
  BrokerConfig,
  BROKER_CONFIG_NAMES,
  isBrokerConfigName,
  loadBrokerConfig,
  type BrokerConfigValues,
  type DynamicBrokerConfigs,
} from './broker-config.js';
export {
  TOPIC_CONFIG_KEYS,
  TOPIC_CONFIG_NAMES,
  describeTopicConfig,
  effectiveTopicConfig,
  isTopicConfigName,
  topicConfigErrorCode,
  validateTopicConfigs,
  type TopicConfig,
  type TopicConfigError,
  type TopicConfigName,
  type TopicConfigValues,
} from './topic-config.js';

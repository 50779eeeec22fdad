package dev.quantforge.api.kafka;

import dev.quantforge.common.config.KafkaSettings;
import io.smallrye.config.ConfigMapping;

/**
 * {@code qf.kafka.*}: where Kafka is and the topics between API and workers, the settings (and defaults) the
 * workers read too; {@code kafka.bootstrap.servers} is copied from {@code qf.kafka.bootstrap-servers}.
 */
@ConfigMapping(prefix = "qf.kafka")
public interface KafkaConfig extends KafkaSettings {
}

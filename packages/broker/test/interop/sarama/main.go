// Sarama (Shopify's Go client, the Debian package golang-github-shopify-sarama-dev) against the broker:
// its admin client creates and describes a topic, a non-idempotent async producer pipelines up to five
// requests on one connection, an idempotent producer sends in order, two consumer group members share the
// partitions and commit, and the group's committed offsets are read back. Prints one JSON object.
//
//	go run main.go <bootstrap address>
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Shopify/sarama"
)

const (
	topic      = "sarama-orders"
	partitions = 3
	keys       = 30
	perKey     = 100
	idempotent = 300
	group      = "sarama-group"
)

type result struct {
	Created         bool             `json:"created"`
	TopicPartitions int              `json:"topic_partitions"`
	RetentionMs     string           `json:"retention_ms"`
	CreateAgain     string           `json:"create_again"`
	Pipelined       int              `json:"pipelined_acked"`
	PipelinedErrors []string         `json:"pipelined_errors"`
	OffsetGaps      int              `json:"offset_gaps"`
	IdempotentAcked int              `json:"idempotent_acked"`
	Received        int              `json:"received"`
	OutOfOrder      int              `json:"out_of_order"`
	Duplicates      int              `json:"duplicates"`
	Members         int              `json:"members"`
	Committed       map[string]int64 `json:"committed"`
	HighWatermarks  map[string]int64 `json:"high_watermarks"`
}

func fail(step string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", step, err)
	os.Exit(1)
}

func config() *sarama.Config {
	c := sarama.NewConfig()
	c.Version = sarama.V2_1_0_0
	c.ClientID = "sarama-interop"
	c.Metadata.Retry.Backoff = 200 * time.Millisecond
	return c
}

func main() {
	addrs := []string{os.Args[1]}
	out := result{Committed: map[string]int64{}, HighWatermarks: map[string]int64{}, PipelinedErrors: []string{}}

	admin, err := sarama.NewClusterAdmin(addrs, config())
	if err != nil {
		fail("admin", err)
	}
	if err := admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: partitions, ReplicationFactor: 1}, false); err != nil {
		fail("create topic", err)
	}
	out.Created = true
	if err := admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: partitions, ReplicationFactor: 1}, false); err != nil {
		if te, ok := err.(*sarama.TopicError); ok {
			out.CreateAgain = te.Err.Error()
		} else {
			out.CreateAgain = err.Error()
		}
	}
	topics, err := admin.ListTopics()
	if err != nil {
		fail("list topics", err)
	}
	out.TopicPartitions = int(topics[topic].NumPartitions)
	entries, err := admin.DescribeConfig(sarama.ConfigResource{Type: sarama.TopicResource, Name: topic})
	if err != nil {
		fail("describe config", err)
	}
	for _, e := range entries {
		if e.Name == "retention.ms" {
			out.RetentionMs = e.Value
		}
	}

	// Two members of one group share the partitions; each checks every key arrives in order, once.
	total := keys*perKey + idempotent
	var mu sync.Mutex
	last := map[string]int{}
	seen := map[string]bool{}
	done := make(chan struct{})
	members := map[string]bool{}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	claimed := map[string]bool{}
	bothClaimed := make(chan struct{})
	handler := &groupHandler{onSetup: func(member string, claims map[string][]int32) {
		mu.Lock()
		defer mu.Unlock()
		claimed[member] = len(claims[topic]) > 0
		if claimed["member-0"] && claimed["member-1"] && bothClaimed != nil {
			close(bothClaimed)
			bothClaimed = nil
		}
	}, onMessage: func(member string, m *sarama.ConsumerMessage) {
		mu.Lock()
		defer mu.Unlock()
		members[member] = true
		value := string(m.Value)
		if seen[value] {
			out.Duplicates++
			return
		}
		seen[value] = true
		parts := strings.SplitN(value, ":", 2)
		seq, _ := strconv.Atoi(parts[1])
		if prev, ok := last[parts[0]]; ok && seq != prev+1 {
			out.OutOfOrder++
		}
		last[parts[0]] = seq
		out.Received++
		if out.Received == total {
			close(done)
		}
	}}
	var groups []sarama.ConsumerGroup
	for i := 0; i < 2; i++ {
		gc := config()
		gc.Consumer.Offsets.Initial = sarama.OffsetOldest
		gc.Consumer.Offsets.CommitInterval = 100 * time.Millisecond
		g, err := sarama.NewConsumerGroup(addrs, group, gc)
		if err != nil {
			fail("consumer group", err)
		}
		groups = append(groups, g)
		name := "member-" + strconv.Itoa(i)
		go func() {
			for ctx.Err() == nil {
				if err := g.Consume(ctx, []string{topic}, handler.as(name)); err != nil && ctx.Err() == nil {
					time.Sleep(100 * time.Millisecond)
				}
			}
		}()
	}
	// Both members hold partitions before anything is produced: the rebalance of two Sarama members works.
	mu.Lock()
	wait := bothClaimed
	mu.Unlock()
	if wait != nil {
		select {
		case <-wait:
		case <-ctx.Done():
			fail("join", fmt.Errorf("both members did not get partitions: %v", claimed))
		}
	}

	// Async, not idempotent, five requests in flight on one connection, small batches: the broker must apply
	// pipelined Produce requests in the order they arrive, or a key's records come back out of order.
	pc := config()
	pc.Producer.RequiredAcks = sarama.WaitForAll
	pc.Producer.Return.Successes = true
	pc.Producer.Return.Errors = true
	pc.Producer.Partitioner = sarama.NewHashPartitioner
	pc.Producer.Flush.Messages = 7
	pc.Producer.Flush.Frequency = time.Millisecond
	pc.Net.MaxOpenRequests = 5
	producer, err := sarama.NewAsyncProducer(addrs, pc)
	if err != nil {
		fail("async producer", err)
	}
	offsets := map[int32][]int64{}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for m := range producer.Successes() {
			out.Pipelined++
			offsets[m.Partition] = append(offsets[m.Partition], m.Offset)
		}
	}()
	go func() {
		defer wg.Done()
		for e := range producer.Errors() {
			out.PipelinedErrors = append(out.PipelinedErrors, e.Err.Error())
		}
	}()
	for seq := 0; seq < perKey; seq++ {
		for k := 0; k < keys; k++ {
			producer.Input() <- &sarama.ProducerMessage{
				Topic: topic,
				Key:   sarama.StringEncoder("k" + strconv.Itoa(k)),
				Value: sarama.StringEncoder(fmt.Sprintf("k%d:%d", k, seq)),
			}
		}
	}
	producer.AsyncClose()
	wg.Wait()
	for _, list := range offsets {
		sort.Slice(list, func(i, j int) bool { return list[i] < list[j] })
		for i := 1; i < len(list); i++ {
			if list[i] != list[i-1]+1 {
				out.OffsetGaps++
			}
		}
	}

	// Idempotent (Sarama allows one request in flight for it), continuing each key's sequence.
	ic := config()
	ic.Producer.Idempotent = true
	ic.Producer.RequiredAcks = sarama.WaitForAll
	ic.Producer.Return.Successes = true
	ic.Producer.Partitioner = sarama.NewHashPartitioner
	ic.Producer.Retry.Max = 3
	ic.Net.MaxOpenRequests = 1
	syncProducer, err := sarama.NewSyncProducer(addrs, ic)
	if err != nil {
		fail("idempotent producer", err)
	}
	var batch []*sarama.ProducerMessage
	for i := 0; i < idempotent; i++ {
		k := i % keys
		batch = append(batch, &sarama.ProducerMessage{
			Topic: topic,
			Key:   sarama.StringEncoder("k" + strconv.Itoa(k)),
			Value: sarama.StringEncoder(fmt.Sprintf("k%d:%d", k, perKey+i/keys)),
		})
	}
	if err := syncProducer.SendMessages(batch); err != nil {
		fail("idempotent send", err)
	}
	out.IdempotentAcked = len(batch)
	syncProducer.Close()

	select {
	case <-done:
	case <-ctx.Done():
		fail("consume", fmt.Errorf("received %d of %d records", out.Received, total))
	}
	// Let the last marks be committed (every 100 ms), then leave the group.
	time.Sleep(500 * time.Millisecond)
	cancel()
	for _, g := range groups {
		g.Close()
	}
	out.Members = len(members)

	client, err := sarama.NewClient(addrs, config())
	if err != nil {
		fail("client", err)
	}
	fetched, err := admin.ListConsumerGroupOffsets(group, map[string][]int32{topic: {0, 1, 2}})
	if err != nil {
		fail("list group offsets", err)
	}
	for p := int32(0); p < partitions; p++ {
		block := fetched.GetBlock(topic, p)
		if block != nil {
			out.Committed[strconv.Itoa(int(p))] = block.Offset
		}
		hw, err := client.GetOffset(topic, p, sarama.OffsetNewest)
		if err != nil {
			fail("high watermark", err)
		}
		out.HighWatermarks[strconv.Itoa(int(p))] = hw
	}
	client.Close()
	admin.Close()
	json.NewEncoder(os.Stdout).Encode(out)
}

type groupHandler struct {
	onSetup   func(member string, claims map[string][]int32)
	onMessage func(member string, m *sarama.ConsumerMessage)
	member    string
}

func (h *groupHandler) as(member string) *groupHandler {
	return &groupHandler{onSetup: h.onSetup, onMessage: h.onMessage, member: member}
}

func (h *groupHandler) Setup(s sarama.ConsumerGroupSession) error {
	h.onSetup(h.member, s.Claims())
	return nil
}
func (h *groupHandler) Cleanup(sarama.ConsumerGroupSession) error { return nil }
func (h *groupHandler) ConsumeClaim(s sarama.ConsumerGroupSession, c sarama.ConsumerGroupClaim) error {
	for m := range c.Messages() {
		h.onMessage(h.member, m)
		s.MarkMessage(m, "")
	}
	return nil
}
